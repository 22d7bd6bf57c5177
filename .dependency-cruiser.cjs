/**
 * The dependency direction (docs/architecture.md#direction-of-dependencies): jobs/ is a contract with no
 * I/O; src/ leaves first (config, errors, logger, domain), then the pure domain folders, the edges,
 * use cases, processors, app wiring and the CLI; workers/ are entry points nothing imports. No cycles.
 * src/dev/ (a private redis-server, its installer, the demo's sample CSV) sits beside the CLI: only the
 * CLI, workers/, test/ and bench/ use it.
 */
/** A forbidden dependency, an error: `from` may not depend on `to`. */
function rule(name, comment, from, to) {
  return { name, comment, severity: 'error', from, to };
}

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    rule('jobs-is-a-contract', 'Another service imports jobs/: it must not pull in relsync internals or I/O.',
      { path: '^jobs/' },
      { path: '^(src|workers)/|node_modules/(ioredis|undici|pino)/' }),
    rule('nothing-imports-workers', 'workers/ are entry points with main(); the library never depends on them.',
      { path: '^(src|jobs)/' },
      { path: '^workers/' }),
    rule('pure-domain', 'CSV, profiles, planning and reports touch no Redis, no network, no queue.',
      { path: '^src/(csv|profile|plan|report|domain)/' },
      { path: '^src/(zoho|ledger|simulator|ops|storage|usecases|processors|app|cli|triggers|dashboard|dev)/|node_modules/(ioredis|bullmq|undici|prom-client|ssh2|@aws-sdk)/' }),
    rule('leaves-stay-leaves', 'config, errors and the logger are imported by everything, so they import nothing of ours above them.',
      { path: '^src/(config/|errors\\.ts|logger\\.ts)' },
      { path: '^src/(?!config/|errors\\.ts)' }),
    rule('edges-below-use-cases', 'The edges (the Zoho client with its limits kept in Redis, the run ledger, the simulator, the operations edge: metrics, the ops HTTP server, webhook delivery) may use ioredis, undici and prom-client but know nothing of use cases, processors or the CLI.',
      { path: '^src/(zoho|ledger|simulator|ops)/' },
      { path: '^src/(usecases|processors|app|cli|triggers|dashboard|dev)/' }),
    rule('storage-is-an-edge', 'src/storage/ reaches files on the local disk, SFTP, S3 and HTTPS: an edge like the Zoho client, it knows nothing of Redis, use cases, processors or the CLI.',
      { path: '^src/storage/' },
      { path: '^src/(zoho|ledger|simulator|ops|usecases|processors|app|cli|triggers|dashboard|dev|csv|profile|plan|report|domain)/|node_modules/(ioredis|bullmq)/' }),
    rule('use-cases-below-wiring', 'Use cases take their dependencies injected; they do not reach up to the wiring or the CLI.',
      { path: '^src/usecases/' },
      { path: '^src/(processors|app|cli|triggers|dashboard|dev)/' }),
    rule('dev-tooling-out-of-the-library', 'src/dev/ starts redis-server, may run apt-get, and builds the sample rows of the demo: the worker wiring and the library never reach it; only the CLI, workers/ and the tests do.',
      { path: '^(src|jobs)/', pathNot: '^src/(cli|dev)/' },
      { path: '^src/dev/' }),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
