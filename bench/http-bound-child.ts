/**
 * The HTTP side alone, as the bound the sync worker is held against besides C / latency: relsync's
 * ZohoClient (undici pool of C connections, p-limit(C), a token minted once) calling the simulator
 * from C loops, with no queue and no Redis. What this loses to the ceiling is the simulator's and the
 * HTTP stack's; what the worker loses beyond it is relsync's own (job bookkeeping, the run ledger).
 */
import { performance } from 'node:perf_hooks';
import pLimit from 'p-limit';
import { OAuthClient, type AccessToken } from '../src/zoho/oauth-client.js';
import { ZohoClient } from '../src/zoho/zoho-client.js';
import { childMain } from './bench-process.js';

export interface HttpBoundInput {
  url: string;
  refreshToken: string;
  concurrency: number;
  calls: number;
  entriesPerCall: number;
  bases: string[];
  deals: string[];
  role: string;
}

async function run(input: HttpBoundInput): Promise<{ elapsedMs: number }> {
  const oauth = new OAuthClient({ accountsUrl: input.url, clientId: 'bench-client', clientSecret: 'bench-client-secret', refreshToken: input.refreshToken });
  let token: Promise<AccessToken> | undefined;
  const tokens = { getToken: () => (token ??= oauth.mint()), invalidate: async () => void (token = undefined) };
  const client = new ZohoClient({ tokens, connections: input.concurrency, limit: pLimit(input.concurrency) });
  try {
    await tokens.getToken();
    let next = 0;
    const startedAt = performance.now();
    const loop = async (): Promise<void> => {
      while (next < input.calls) {
        const seq = next++;
        const entries = Array.from({ length: input.entriesPerCall }, (_, k) => ({
          External_Deal_ID: input.deals[(seq * input.entriesPerCall + k) % input.deals.length]!,
          Contact_Role: input.role,
        }));
        await client.updateRelated({
          module: 'Contacts', base: input.bases[seq % input.bases.length]!, relatedList: 'Deals',
          xExternal: 'Contacts.External_Contact_ID,Deals.External_Deal_ID', entries,
        });
      }
    };
    await Promise.all(Array.from({ length: input.concurrency }, loop));
    return { elapsedMs: performance.now() - startedAt };
  } finally {
    await client.close();
  }
}

childMain(run);
