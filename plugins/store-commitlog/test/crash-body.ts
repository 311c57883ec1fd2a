/** Deterministic body of a crash-test message id: varied sizes so kills tear records at any byte. */
export function crashBody(id: string): Buffer {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (Math.imul(31, h) + id.charCodeAt(i)) | 0;
  return Buffer.from(`${id}|${'x'.repeat(Math.abs(h) % 3000)}`);
}
