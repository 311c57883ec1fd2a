import { z } from 'zod';
import { isCometError } from '../../kernel/errors.js';
import { parseNamesrvAddrList } from '../../kernel/protocol/remoting/namesrv-address.js';

/** Each item is `host:port` or a `host:port;host:port` list (NAMESRV_ADDR's form). */
const namesrvAddrsSchema = z.array(z.string()).superRefine((items, ctx) => {
  try {
    parseNamesrvAddrList(items);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: isCometError(e) ? e.message : String(e) });
  }
});

/** `plugins.broker-registration` config slice. Every key has a default. */
export const brokerRegistrationConfigSchema = z.strictObject({
  /** Name servers to register with, besides the embedded one (when the namesrv plugin is loaded). Env: NAMESRV_ADDR (CLI) or COMETMQ_PLUGINS__BROKER_REGISTRATION__NAMESRV_ADDRS. */
  namesrvAddrs: namesrvAddrsSchema.default([]),
  /** Re-registration period (Java registerNameServerPeriod: 30 s); name servers expire a broker after 120 s. */
  registerIntervalMs: z.number().int().positive().default(30_000),
  /** Per-request timeout of register/unregister (Java: 6 s). */
  registerTimeoutMs: z.number().int().positive().default(6_000),
  /** 0 = master; > 0 = slave (its topic table is not applied by name servers). */
  brokerId: z.number().int().min(0).default(0),
  /** HA address sent to name servers (slaves learn their master's). Empty: none. */
  haServerAddr: z.string().default(''),
});

export type BrokerRegistrationConfig = z.output<typeof brokerRegistrationConfigSchema>;

export function brokerRegistrationConfig(input: z.input<typeof brokerRegistrationConfigSchema> = {}): BrokerRegistrationConfig {
  return brokerRegistrationConfigSchema.parse(input);
}
