// Where the objects of `-f` files are written (file, line, field lines): filled by the offline source
// when a report points at lines (-o sarif), read by the SARIF renderer. Plain data, no I/O.

export interface FieldPosition {
  /** dotted path from the object's root: `spec.servers.0.hosts.1` */
  path: string;
  /** the scalar as text (numbers too); undefined for a map or list */
  value?: string;
  line: number;
  column: number;
}

export interface ObjectOrigin {
  /** the file as given on the command line (relative or absolute), never `<stdin>` */
  file: string;
  line: number;
  column: number;
  fields: FieldPosition[];
}

/** Objects by kind (as findings name it), namespace and name. */
export type OriginIndex = Map<string, ObjectOrigin>;

export function originKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}|${namespace ?? ''}|${name}`;
}
