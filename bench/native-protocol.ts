import * as hdr from 'hdr-histogram-js';

/** Messages between bench/native.ts (parent) and bench/native-client.ts (forked producer / consumer). */
export interface ProducerPlan {
  readonly topic: string;
  readonly bodyBytes: number;
  readonly durationMs: number;
  /** Latencies of sends started in the first warmupMs are not recorded. */
  readonly warmupMs: number;
  /** > 0: open loop at this many msg/s; 0: closed loop with `inflight` sends outstanding. */
  readonly rate: number;
  readonly inflight: number;
}

export type ClientCommand =
  | { readonly type: 'init'; readonly namesrvAddr: string; readonly plan: ProducerPlan; readonly consumeConcurrency: number; readonly pullBatchSize: number }
  | { readonly type: 'go'; readonly t0: number }
  | { readonly type: 'expect'; readonly total: number; readonly timeoutMs: number };

export type ChildReport =
  | { readonly type: 'ready' }
  | {
      readonly type: 'producerDone';
      readonly produced: number;
      readonly errors: number;
      readonly secs: number;
      readonly t0: number;
      /** hdr-histogram-js compressed base64, microseconds. */
      readonly latency: string;
      /** Fixed-rate runs: intended send time → the producer's send call (µs histogram, same encoding). */
      readonly scheduleLag: string;
      /** First send error's message, if any. */
      readonly errorSample?: string;
      readonly rssMb: number;
    }
  | {
      readonly type: 'consumerDone';
      readonly consumed: number;
      readonly duplicates: number;
      /** Wall-clock ms of the last bench message received. */
      readonly last: number;
      readonly e2e: string;
      readonly rssMb: number;
    };

/** Wall-clock milliseconds with sub-ms resolution, comparable between processes on one machine. */
export const nowMs = (): number => performance.timeOrigin + performance.now();

/** Microsecond histogram up to 120 s. */
export const histogram = (): hdr.Histogram =>
  hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
