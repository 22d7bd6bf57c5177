/** Tests use the same private redis-server as the demo. */
export { freePort, startPrivateRedis as startTestRedis } from '../../src/dev/private-redis.js';
export type { PrivateRedis as TestRedis } from '../../src/dev/private-redis.js';
