// `npm run --silent sim -- --scenario <dir> --kubeconfig <file> [--log <file>] [--token] [--port n]`
// Materializes the scenario, starts the simulated API server, prints exactly one line
// `ready <url>` on stdout and serves until SIGINT/SIGTERM. Diagnostics go to stderr.
import { startSim } from './server.js';

function usage(msg?: string): never {
  if (msg) process.stderr.write(`sim: ${msg}\n`);
  process.stderr.write('usage: npm run --silent sim -- --scenario <dir> --kubeconfig <file> [--log <file>] [--token] [--port <n>] [--now <RFC3339>]\n');
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  let scenarioDir: string | undefined;
  let kubeconfigPath: string | undefined;
  let logPath: string | undefined;
  let port: number | undefined;
  let now: Date | undefined;
  let auth: 'cert' | 'token' = 'cert';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => inline ?? argv[++i] ?? usage(`${flag} needs a value`);
    switch (flag) {
      case '--scenario':
        scenarioDir = value();
        break;
      case '--kubeconfig':
        kubeconfigPath = value();
        break;
      case '--log':
        logPath = value();
        break;
      case '--port':
        port = Number(value());
        break;
      case '--now':
        now = new Date(value());
        break;
      case '--token':
        auth = 'token';
        break;
      case '-h':
      case '--help':
        usage();
        break;
      default:
        usage(`unknown argument ${a}`);
    }
  }
  if (!scenarioDir) usage('--scenario is required');
  if (!kubeconfigPath) usage('--kubeconfig is required');
  const sim = await startSim({ scenarioDir, kubeconfigPath, auth, logPath, port, now });
  process.stdout.write(`ready ${sim.url}\n`);
  const stop = () => {
    void sim.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`sim: ${(e as Error).message}\n`);
  process.exit(2);
});
