// Typed failures of the live source. The CLI maps every ClusterError to exit code 2 and prints
// `message` as is: it already says what failed, against which server/context, and what to do.

export class ClusterError extends Error {
  /** the doctor could not do its job (design.md exit codes) */
  readonly exitCode = 2;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** No kubeconfig, no usable context, or no user to authenticate as. */
export class NoCredentialsError extends ClusterError {}

/** The API server rejected the credentials (401), or an auth plugin (exec, OIDC) failed. */
export class ClusterAuthError extends ClusterError {}

/** Connection refused, DNS, TLS verification, or no answer within --request-timeout. */
export class ClusterUnreachableError extends ClusterError {}

/** An HTTP answer other than 2xx from one API request; carries the parsed Kubernetes Status. */
export class ApiStatusError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'ApiStatusError';
  }
}
