/** A consumer of a group as one door knows it (admin: GET /v1/groups/{group}). */
export interface GroupMember {
  /** The client's id (RocketMQ clientID; `ws-<connection>/<subscription>` for a WebSocket subscriber). */
  readonly clientId: string;
  /** The door it is connected through (`remoting`, `websocket`, …). */
  readonly door: string;
  /** host:port of the peer. */
  readonly address: string;
  /** Epoch ms of the last sign of life (heartbeat, subscribe). */
  readonly lastSeenAt: number;
  /** CLUSTERING / BROADCASTING. */
  readonly mode: string;
  /** Topics it subscribes to in this group. */
  readonly topics: readonly string[];
}

/** A protocol front end (native remoting, HTTP, WebSocket, MQTT, STOMP). */
export interface Door {
  readonly name: string;
  /** Where it listens, once started: `tcp://127.0.0.1:10911`, `http://0.0.0.0:8080`. */
  addresses(): readonly string[];
  /** Stop accepting new connections and requests (first step of shutdown). */
  stopAccepting(): Promise<void>;
  /** Finish in-flight work until `deadline` (Clock.monotonic), then close every connection. */
  drain(deadline: number): Promise<void>;
  /** The group's consumers connected through this door (doors with sessions). */
  members?(group: string): readonly GroupMember[];
}

/** Kernel service: doors register here so the kernel can list addresses and stop them first. */
export interface DoorRegistry {
  add(door: Door): void;
  list(): readonly Door[];
}
