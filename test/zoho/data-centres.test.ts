import { describe, expect, it } from 'vitest';
import { DATA_CENTRES, isDataCentre } from '../../src/zoho/data-centres.js';

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

  it('is frozen and guards unknown names', () => {
    expect(Object.isFrozen(DATA_CENTRES)).toBe(true);
    expect(isDataCentre('eu')).toBe(true);
    expect(isDataCentre('uk')).toBe(false);
    expect(isDataCentre('toString')).toBe(false);
  });
});
