// Credential uses: every (server, credentialName, workload namespace) that terminates TLS with a Secret, resolved as Istio reads it.
import type { Snapshot } from '../snapshot/types.js';
import { parseCredentialName, terminatesTls, type CredentialResolution, type GatewayModel, type Model, type ServerModel } from './model.js';
import { visible } from './visibility.js';

/** One credential as one server of one Gateway uses it, resolved for one workload namespace. */
export interface CredentialUse {
  gm: GatewayModel;
  server: ServerModel;
  credentialName: string;
  workloadNamespace: string;
  resolution: CredentialResolution;
  /** true when no pod was known and the Gateway's namespace was assumed */
  assumedNamespace: boolean;
  /** index in credentialNames (0 for credentialName) */
  slot: number;
}

/** Every (server, credentialName, workload namespace) that terminates TLS with a Secret. */
export function credentialUses(snapshot: Snapshot, model: Model): CredentialUse[] {
  const uses: CredentialUse[] = [];
  for (const gm of model.gateways) {
    let namespaces = gm.workloadNamespaces;
    let assumedNamespace = false;
    // (live, pods that could not be listed say nothing about where the gateway runs: no assumption)
    if (namespaces.length === 0 && snapshot.pods.length === 0 && gm.gateway.metadata.namespace && visible(snapshot, 'pods')) {
      // offline manifests without pods: the usual layout keeps Gateway and gateway pods together
      namespaces = [gm.gateway.metadata.namespace];
      assumedNamespace = true;
    }
    for (const server of gm.servers) {
      if (!terminatesTls(server.server)) continue;
      server.credentialNames.forEach((credentialName, slot) => {
        if (parseCredentialName(credentialName).builtin) return;
        for (const workloadNamespace of namespaces) {
          uses.push({ gm, server, credentialName, workloadNamespace, resolution: model.credential(credentialName, workloadNamespace), assumedNamespace, slot });
        }
      });
    }
  }
  return uses;
}
