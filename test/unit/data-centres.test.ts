import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { DATA_CENTRES } from '../../src/config/data-centres.js';

describe('DATA_CENTRES', () => {
  it('lists the eight CRM data centres with https accounts and API hosts', () => {
    expect(Object.keys(DATA_CENTRES).sort()).toEqual(['au', 'ca', 'cn', 'eu', 'in', 'jp', 'sa', 'us']);
    for (const { accountsUrl, apiDomain } of Object.values(DATA_CENTRES)) {
      expect(accountsUrl).toMatch(/^https:\/\/accounts\.zoho/);
      expect(apiDomain).toMatch(/^https:\/\/www\.zohoapis\./);
    }
    expect(DATA_CENTRES.ca.accountsUrl).toBe('https://accounts.zohocloud.ca');
    expect(DATA_CENTRES.eu.apiDomain).toBe('https://www.zohoapis.eu');
  });

  it('is frozen, and is the list ZOHO_DC accepts', () => {
    expect(Object.isFrozen(DATA_CENTRES)).toBe(true);
    for (const dc of Object.keys(DATA_CENTRES)) expect(loadConfig({ ZOHO_DC: dc }).zoho.dc).toBe(dc);
    expect(() => loadConfig({ ZOHO_DC: 'uk' })).toThrowError("ZOHO_DC: expected one of us eu in au jp ca cn sa, got 'uk'");
  });
});
