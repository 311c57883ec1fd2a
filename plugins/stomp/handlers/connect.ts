import type { StompConnection } from '../connection.js';
import { header, type StompFrame, type StompVersion } from '../frame.js';

const SUPPORTED: readonly StompVersion[] = ['1.0', '1.1', '1.2'];

/**
 * CONNECT / STOMP (STOMP 1.2 §"Connecting"): protocol negotiation (accept-version; none means 1.0),
 * heart-beat agreement (§"Heart-beating"), CONNECTED with version, session, server and heart-beat.
 * login/passcode are accepted as they come until the auth issue adds credentials.
 */
export function onConnect(c: StompConnection, frame: StompFrame): void {
  const accept = header(frame, 'accept-version');
  const offered = accept === undefined ? ['1.0'] : accept.split(',').map((v) => v.trim());
  const version = [...SUPPORTED].reverse().find((v) => offered.includes(v));
  if (version === undefined) {
    c.sendFrame('ERROR', [['version', SUPPORTED.join(',')], ['message', 'unsupported protocol version'], ['content-type', 'text/plain']], Buffer.from(`supported versions: ${SUPPORTED.join(', ')}; asked for ${accept ?? ''}`));
    c.close('unsupported protocol version');
    return;
  }
  const beat = /^(\d+),(\d+)$/.exec(header(frame, 'heart-beat') ?? '0,0');
  if (beat === null) {
    c.error('malformed heart-beat header', `heart-beat ${JSON.stringify(header(frame, 'heart-beat'))} is not <cx>,<cy>`, frame);
    return;
  }
  const cx = Number(beat[1]);
  const cy = Number(beat[2]);
  const { heartBeatSendMs: sx, heartBeatReceiveMs: sy } = c.deps.config;
  const sendEvery = sx > 0 && cy > 0 ? Math.max(sx, cy) : 0;
  const expectEvery = cx > 0 && sy > 0 ? Math.max(cx, sy) : 0;
  c.clientId = header(frame, 'client-id');
  c.sendFrame(
    'CONNECTED',
    [
      ['version', version],
      ['session', c.session],
      ['server', 'CometMQ/0.1.0'],
      ['heart-beat', `${sx},${sy}`],
    ],
    undefined,
  );
  c.connectedWith(version, sendEvery, expectEvery);
}
