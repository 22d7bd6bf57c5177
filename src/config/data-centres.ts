/**
 * Zoho data centres: where to mint tokens (accounts server) and where to call the CRM API. The one
 * list: its names are what ZOHO_DC accepts (config.ts), its URLs what the Zoho edge uses.
 * Source: docs/zoho.md#data-centres (Zoho SDK `routes/dc/*.ts`,
 * https://www.zoho.com/crm/developer/docs/api/v8/multi-dc.html). UK and AE exist in Zoho Accounts' list
 * but are not in the v8 SDKs (docs/zoho.md#unknown-uk-and-ae-data-centres), so they are left out; such
 * orgs set ZOHO_ACCOUNTS_URL / ZOHO_API_DOMAIN explicitly. The token reply's `api_domain` wins over
 * `apiDomain` here anyway (see zoho-client.ts).
 */
export type DataCentre = 'us' | 'eu' | 'in' | 'au' | 'jp' | 'ca' | 'cn' | 'sa';

export interface DataCentreUrls {
  /** Base URL of the Zoho Accounts server; the token endpoint is `{accountsUrl}/oauth/v2/token`. */
  accountsUrl: string;
  /** Production CRM API domain (sandbox and developer orgs use other hosts). */
  apiDomain: string;
}

export const DATA_CENTRES: Readonly<Record<DataCentre, DataCentreUrls>> = Object.freeze({
  us: Object.freeze({ accountsUrl: 'https://accounts.zoho.com', apiDomain: 'https://www.zohoapis.com' }),
  eu: Object.freeze({ accountsUrl: 'https://accounts.zoho.eu', apiDomain: 'https://www.zohoapis.eu' }),
  in: Object.freeze({ accountsUrl: 'https://accounts.zoho.in', apiDomain: 'https://www.zohoapis.in' }),
  au: Object.freeze({ accountsUrl: 'https://accounts.zoho.com.au', apiDomain: 'https://www.zohoapis.com.au' }),
  jp: Object.freeze({ accountsUrl: 'https://accounts.zoho.jp', apiDomain: 'https://www.zohoapis.jp' }),
  // Canada's accounts server is on zohocloud.ca while its API stays on zohoapis.ca.
  ca: Object.freeze({ accountsUrl: 'https://accounts.zohocloud.ca', apiDomain: 'https://www.zohoapis.ca' }),
  cn: Object.freeze({ accountsUrl: 'https://accounts.zoho.com.cn', apiDomain: 'https://www.zohoapis.com.cn' }),
  sa: Object.freeze({ accountsUrl: 'https://accounts.zoho.sa', apiDomain: 'https://www.zohoapis.sa' }),
});
