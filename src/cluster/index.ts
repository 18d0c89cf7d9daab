// The live source's public surface (the CLI imports only this).
export { loadLiveSnapshot, SECRET_FIELD_SELECTOR, type LiveOptions } from './live.js';
export { ClusterError, NoCredentialsError, ClusterAuthError, ClusterUnreachableError, ApiStatusError } from './errors.js';
export { loadKubeconfig, mergeKubeconfigs, kubeconfigFiles, type ResolvedKubeconfig } from './kubeconfig.js';
export { inspectGatewayPods, validateContainerPath, gatewayPods, ENVOY_READS, type InspectOptions } from './inspect.js';
