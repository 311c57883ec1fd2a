/**
 * Keeps one connection's produce calls in arrival order. Messaging appends calls in call order once a
 * topic exists, but a call that auto-creates its topic takes a longer path than the calls after it;
 * so while a topic is unknown (or an earlier call is still held) each call starts only after the
 * previous one finished. Doors that pipeline produces (MQTT, STOMP) keep one gate per connection.
 */
export class ProduceGate {
  #gate: Promise<void> | undefined;

  start<T>(topicExists: boolean, call: () => Promise<T>): Promise<T> {
    if (this.#gate === undefined && topicExists) return call();
    const run = (this.#gate ?? Promise.resolve()).then(call);
    const gate = run.then(
      () => undefined,
      () => undefined,
    );
    this.#gate = gate;
    void gate.then(() => {
      if (this.#gate === gate) this.#gate = undefined;
    });
    return run;
  }
}
