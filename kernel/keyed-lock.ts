/**
 * Serialises async sections per key (a topic name, a group + topic) so a check-then-write cannot
 * interleave with another for the same key. Entries are dropped when their chain drains.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, section: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(section, section);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with a section queued or running (for leak checks). */
  size(): number {
    return this.tails.size;
  }
}
