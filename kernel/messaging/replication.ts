export type ReplicaRole = 'master' | 'slave';

export interface ReplicaStatus {
  readonly address: string;
  /** Physical offset the replica has acknowledged. */
  readonly ackedOffset: number;
  readonly lastSeenAt: number;
}

export interface ReplicationState {
  readonly role: ReplicaRole;
  readonly masterAddress?: string;
  readonly replicas: readonly ReplicaStatus[];
}

/**
 * Master/slave replication of the commit log (the HA plugin kind). A master streams the log by
 * physical offset; a slave appends what it receives and serves reads when the master is down.
 * The store tells the replication plugin about new writes; with synchronous replication an
 * append is acknowledged only after `awaitReplicated` resolves.
 */
export interface Replication {
  state(): ReplicationState;
  /** The log grew to `writtenOffset` (called by the store after each write). */
  onWritten(writtenOffset: number): void;
  /** Resolves 'ok' when some replica acknowledged `offset`, 'timeout' or 'noReplica' otherwise. */
  awaitReplicated(offset: number, timeoutMs: number): Promise<'ok' | 'timeout' | 'noReplica'>;
}
