// The one thing the CLI takes from @kubernetes/client-node: KubeConfig (credentials: client
// certificates, tokens, exec plugins, OIDC, proxies). Re-exported by name so the bundler keeps what
// KubeConfig needs (~1.5 MB) instead of the whole package a namespace import() pulls in (~14 MB of
// generated API models, ~45 MB of RSS when loaded). client.ts imports this module lazily.
export { KubeConfig } from '@kubernetes/client-node';
