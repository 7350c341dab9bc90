/**
 * How BambooHR's "Form Post" encoding carries a payload. BambooHR posts
 * `application/x-www-form-urlencoded` bodies whose keys use PHP-style brackets:
 *
 *   event-based:  type=employee.updated&timestamp=…&data[companyId]=…&data[employeeId]=…
 *                 &data[changedFields][0]=jobTitle
 *   field-based:  employees[4103][action]=Updated&employees[4103][timestamp]=…
 *                 &employees[4103][changedFields][0]=Job+Title&employees[4103][Job+Title]=Engineer
 *
 * In the field-based form the employee id is the key under `employees`; `action`, `timestamp`,
 * `changedFields` (and `id`, `fields`) are reserved names and every other key is a field value,
 * which may also be nested as `[fields][<name>]` or `[<name>][value]`. BambooHR's documented form
 * example shows no `action`: when it is absent and changed fields are present we read it as
 * `Updated` (the only action that carries changed fields); otherwise the employee is rejected.
 *
 * {@link formToPayload} turns such a body into exactly the JSON shape, so both encodings go through
 * the same zod schemas and give the same deliveries (and event ids).
 */

/** A decoded form: nested groups of text values, on null-prototype objects (no `__proto__` tricks). */
export interface FormTree {
  [key: string]: FormTree | string;
}

export type FormResult<T> = { ok: true; value: T } | { ok: false; reason: string };

const MAX_DEPTH = 6;
const MAX_PAIRS = 20_000;
const RESERVED_EMPLOYEE_KEYS = new Set(['id', 'action', 'timestamp', 'changedFields', 'fields']);

/**
 * Decodes `a[b][0]=v` pairs into nested groups. `[]` appends. Rejects, with the offending key named:
 * malformed brackets, nesting deeper than 6, a key given twice, a key used both as a value and as a
 * group (PHP would silently keep the last; we never drop input silently), and `__proto__`.
 */
export function decodeBracketForm(body: string): FormResult<FormTree> {
  const root = group();
  let pairs = 0;
  for (const [key, value] of new URLSearchParams(body)) {
    if (++pairs > MAX_PAIRS) return fail(`form has more than ${MAX_PAIRS} fields`);
    const path = splitKey(key);
    if (!path) return fail(`form key "${key}" has malformed brackets`);
    if (path.length > MAX_DEPTH) return fail(`form key "${key}" nests deeper than ${MAX_DEPTH}`);
    let node = root;
    for (let i = 0; i < path.length; i++) {
      let seg = path[i] as string;
      if (seg === '' && i > 0) seg = String(Object.keys(node).length);
      if (seg === '') return fail(`form key "${key}" has an empty name`);
      if (seg === '__proto__') return fail(`form key "${key}" uses the reserved name __proto__`);
      const last = i === path.length - 1;
      const existing = node[seg];
      if (last) {
        if (existing !== undefined) return fail(`form key "${key}" is given more than once or is also a group`);
        node[seg] = value;
      } else if (existing === undefined) {
        node = node[seg] = group();
      } else if (typeof existing === 'string') {
        return fail(`form key "${key}" is used both as a value and as a group`);
      } else {
        node = existing;
      }
    }
  }
  return { ok: true, value: root };
}

/**
 * Maps a decoded BambooHR form to the JSON payload shape (see the module comment). The result is
 * unvalidated: the payload schemas decide whether it is acceptable.
 */
export function formToPayload(tree: FormTree): FormResult<unknown> {
  if ('employees' in tree) {
    const employees = tree.employees;
    if (typeof employees === 'string') return fail('form field "employees" must be a group keyed by employee id');
    const list: unknown[] = [];
    for (const [id, entry] of Object.entries(employees)) {
      if (typeof entry === 'string') return fail(`form field "employees[${id}]" must be a group`);
      const mapped = employeeFromForm(id, entry);
      if (!mapped.ok) return mapped;
      list.push(mapped.value);
    }
    return { ok: true, value: { ...plain(tree), employees: list } };
  }
  const data = tree.data;
  if (data === undefined || typeof data === 'string') return { ok: true, value: plain(tree) };
  const changed = data.changedFields;
  if (changed === undefined) return { ok: true, value: { ...plain(tree), data: plain(data) } };
  const list = indexedList(changed, 'data[changedFields]');
  if (!list.ok) return list;
  return { ok: true, value: { ...plain(tree), data: { ...plain(data), changedFields: list.value } } };
}

function employeeFromForm(id: string, entry: FormTree): FormResult<Record<string, unknown>> {
  const out: Record<string, unknown> = { id };
  const fields: Record<string, unknown> = {};
  let changedFields: string[] = [];
  if (entry.changedFields !== undefined) {
    const list = indexedList(entry.changedFields, `employees[${id}][changedFields]`);
    if (!list.ok) return list;
    changedFields = list.value;
    out.changedFields = changedFields;
  }
  if (entry.fields !== undefined) {
    if (typeof entry.fields === 'string') return fail(`form field "employees[${id}][fields]" must be a group`);
    Object.assign(fields, plainDeep(entry.fields));
  }
  for (const [name, value] of Object.entries(entry)) {
    if (RESERVED_EMPLOYEE_KEYS.has(name)) {
      if (name === 'action' || name === 'timestamp') out[name] = value;
      continue;
    }
    if (name in fields) return fail(`form field "${name}" of employee ${id} is given both directly and under [fields]`);
    fields[name] = typeof value === 'string' ? value : plainDeep(value);
  }
  if (out.action === undefined && changedFields.length > 0) out.action = 'Updated';
  out.fields = fields;
  return { ok: true, value: out };
}

/** `{0: a, 1: b}` to `[a, b]`; indexes must be exactly 0..n-1 and values text. */
function indexedList(node: FormTree | string, name: string): FormResult<string[]> {
  if (typeof node === 'string') return fail(`form field "${name}" must be indexed, like ${name}[0]`);
  const keys = Object.keys(node);
  const out: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    const v = node[String(i)];
    if (typeof v !== 'string') return fail(`form field "${name}" must hold text values at indexes 0..${keys.length - 1}`);
    out.push(v);
  }
  return { ok: true, value: out };
}

/** `name[a][b]` to `['name', 'a', 'b']`; undefined when brackets do not balance. */
function splitKey(key: string): string[] | undefined {
  const open = key.indexOf('[');
  if (open < 0) return key.includes(']') ? undefined : [key];
  const segs = [key.slice(0, open)];
  if (segs[0] === '' || segs[0]?.includes(']')) return undefined;
  let rest = key.slice(open);
  while (rest.length > 0) {
    const m = /^\[([^[\]]*)\]/.exec(rest);
    if (!m) return undefined;
    segs.push(m[1] as string);
    rest = rest.slice(m[0].length);
  }
  return segs;
}

function group(): FormTree {
  return Object.create(null) as FormTree;
}

function plain(node: FormTree): Record<string, unknown> {
  return Object.assign({}, node);
}

function plainDeep(node: FormTree): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = typeof v === 'string' ? v : plainDeep(v);
  return out;
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}
