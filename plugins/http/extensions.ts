import type { HttpExtensionFactory } from './extension.js';
import { createSdkExtension } from './sdk-route.js';
import { createSseExtension } from './sse.js';
import { createWsExtension } from './ws/index.js';

/** The HTTP door's extensions on its one port: WebSocket door (/v1/ws), SSE (/v1/topics/{topic}/events), browser SDK (/sdk). */
export const HTTP_EXTENSIONS: readonly HttpExtensionFactory[] = [createWsExtension, createSseExtension, createSdkExtension];
