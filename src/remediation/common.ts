// Small builders every remediation shares. Key material is never an input: commands use placeholders.
import { stringify } from 'yaml';

/** Placeholders the user replaces with their own files. */
export const FULLCHAIN_PLACEHOLDER = '<fullchain.pem>';
export const PRIVKEY_PLACEHOLDER = '<privkey.pem>';
export const CA_PLACEHOLDER = '<ca.pem>';

/** `kubectl create secret tls` for a credential in the workload namespace (dry-run → apply, idempotent). */
export function createTlsSecretCommand(name: string, namespace: string): string {
  return (
    `kubectl create secret tls ${name} -n ${namespace} --cert=${FULLCHAIN_PLACEHOLDER} --key=${PRIVKEY_PLACEHOLDER}` +
    ` --dry-run=client -o yaml | kubectl apply -f -`
  );
}

/** Several Kubernetes objects as one multi-document YAML string. */
export function toYaml(...docs: object[]): string {
  return docs.map((d) => stringify(d, { lineWidth: 0 }).trimEnd()).join('\n---\n') + '\n';
}
