import { z } from 'zod';

/** `plugins.auth-allow-all`: no settings. */
export const authAllowAllConfigSchema = z.strictObject({});

export type AuthAllowAllConfig = z.output<typeof authAllowAllConfigSchema>;
