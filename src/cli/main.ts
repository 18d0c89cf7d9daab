// PLACEHOLDER entry point until the CLI lands.
export async function main(argv: string[]): Promise<number> {
  process.stdout.write(`kubectl istio-tls (skeleton) ${argv.join(' ')}\n`);
  return 0;
}
