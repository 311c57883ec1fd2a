import { CometError } from '../../kernel/errors.js';

/** One message of a Java MessageBatch body. */
export interface BatchItem {
  readonly flag: number;
  readonly body: Uint8Array;
  readonly properties: string;
}

/**
 * Java MessageDecoder.encodeMessages / decodeMessages layout (SEND_BATCH_MESSAGE body), repeated:
 * int totalSize, int magic (0), int bodyCRC (0), int flag, int bodyLen, body, short propsLen, props (UTF-8).
 */
const FIXED = 4 + 4 + 4 + 4 + 4 + 2;

export function decodeBatch(data: Uint8Array): BatchItem[] {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const items: BatchItem[] = [];
  let pos = 0;
  while (pos < buf.length) {
    if (buf.length - pos < FIXED) throw bad(`truncated message header at byte ${pos}`);
    const totalSize = buf.readInt32BE(pos);
    if (totalSize < FIXED || totalSize > buf.length - pos) throw bad(`message at byte ${pos} has totalSize ${totalSize}`);
    const flag = buf.readInt32BE(pos + 12);
    const bodyLen = buf.readInt32BE(pos + 16);
    if (bodyLen < 0 || 20 + bodyLen + 2 > totalSize) throw bad(`message at byte ${pos} has bodyLen ${bodyLen}`);
    const body = buf.subarray(pos + 20, pos + 20 + bodyLen);
    const propsLen = buf.readInt16BE(pos + 20 + bodyLen);
    if (propsLen < 0 || 22 + bodyLen + propsLen !== totalSize) throw bad(`message at byte ${pos} has propsLen ${propsLen}`);
    const propsStart = pos + 22 + bodyLen;
    items.push({ flag, body, properties: buf.toString('utf8', propsStart, propsStart + propsLen) });
    pos += totalSize;
  }
  if (items.length === 0) throw bad('the batch is empty');
  return items;
}

export function encodeBatch(items: readonly BatchItem[]): Uint8Array {
  const parts: Buffer[] = [];
  for (const item of items) {
    const props = Buffer.from(item.properties, 'utf8');
    const total = FIXED + item.body.length + props.length;
    const b = Buffer.alloc(total);
    b.writeInt32BE(total, 0);
    b.writeInt32BE(0, 4);
    b.writeInt32BE(0, 8);
    b.writeInt32BE(item.flag | 0, 12);
    b.writeInt32BE(item.body.length, 16);
    b.set(item.body, 20);
    b.writeInt16BE(props.length, 20 + item.body.length);
    b.set(props, 22 + item.body.length);
    parts.push(b);
  }
  return Buffer.concat(parts);
}

const bad = (why: string): CometError => new CometError('MESSAGE_INVALID', `SEND_BATCH_MESSAGE body is malformed: ${why}`);
