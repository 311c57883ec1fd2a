import type { z } from 'zod';

/** Wrappers whose inner schema carries the shape (zod v4 internal `def.type` names). */
const WRAPPERS = new Set(['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch', 'nonoptional']);

interface Def {
  readonly type: string;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly shape?: Record<string, z.ZodType>;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** Strip defaults/optionals/pipes down to the schema that decides the value's kind. */
export function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (let i = 0; i < 16; i++) {
    const def = defOf(s);
    if (WRAPPERS.has(def.type) && def.innerType) s = def.innerType;
    else if (def.type === 'pipe' && def.in) s = def.in;
    else break;
  }
  return s;
}

/** The keys of an object schema (through wrappers), or undefined for anything else. */
export function objectShape(schema: z.ZodType): Readonly<Record<string, z.ZodType>> | undefined {
  const def = defOf(unwrap(schema));
  return def.type === 'object' ? def.shape : undefined;
}

export type LeafKind = 'string' | 'array' | 'other';

export function leafKind(schema: z.ZodType | undefined): LeafKind {
  if (!schema) return 'other';
  const type = defOf(unwrap(schema)).type;
  if (type === 'string') return 'string';
  return type === 'array' ? 'array' : 'other';
}

/** The schema at a dotted path, or undefined when the path leaves the known keys. */
export function schemaAt(root: z.ZodType, path: readonly string[]): z.ZodType | undefined {
  let s: z.ZodType | undefined = root;
  for (const key of path) {
    const shape: Readonly<Record<string, z.ZodType>> | undefined = s ? objectShape(s) : undefined;
    s = shape && Object.hasOwn(shape, key) ? shape[key] : undefined;
    if (!s) return undefined;
  }
  return s;
}

/**
 * Turn a text value (env variable, `--set`) into a config value by the target's kind: strings stay
 * as given; arrays take JSON or a comma list; anything else is JSON-parsed when it parses.
 */
export function coerceText(text: string, schema: z.ZodType | undefined): unknown {
  const kind = leafKind(schema);
  if (kind === 'string') return text;
  const parsed = parseJson(text);
  if (kind === 'array') {
    if (Array.isArray(parsed.value)) return parsed.value;
    return text === '' ? [] : text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  }
  return parsed.ok ? parsed.value : text;
}

function parseJson(text: string): { ok: boolean; value: unknown } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, value: undefined };
  }
}
