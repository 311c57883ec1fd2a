/** A protocol front end (native remoting, HTTP, WebSocket, MQTT, STOMP). */
export interface Door {
  readonly name: string;
  /** Where it listens, once started: `tcp://127.0.0.1:10911`, `http://0.0.0.0:8080`. */
  addresses(): readonly string[];
  /** Stop accepting new connections and requests (first step of shutdown). */
  stopAccepting(): Promise<void>;
  /** Finish in-flight work until `deadline` (Clock.monotonic), then close every connection. */
  drain(deadline: number): Promise<void>;
}

/** Kernel service: doors register here so the kernel can list addresses and stop them first. */
export interface DoorRegistry {
  add(door: Door): void;
  list(): readonly Door[];
}
