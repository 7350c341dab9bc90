/** SCIM wire shapes the connector reads and writes (RFC 7643 §3, §4; RFC 7644 §3.4.2, §3.5.2, §3.12). */

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const SCIM_MEDIA_TYPE = 'application/scim+json';

export interface ScimMeta {
  resourceType?: string;
  /** When the service provider created the resource (RFC 7643 §3.1, a DateTime). */
  created?: string;
  /** Weak or strong entity tag of the resource version (RFC 7644 §3.14). */
  version?: string;
  location?: string;
}

export interface ScimMultiValue {
  value?: string;
  type?: string;
  primary?: boolean;
  display?: string;
}

export interface EnterpriseUser {
  employeeNumber?: string;
  costCenter?: string;
  organization?: string;
  division?: string;
  department?: string;
  manager?: { value?: string; $ref?: string; displayName?: string };
}

/** A User resource; unknown attributes are kept so that a PUT does not drop them. */
export interface ScimUser {
  schemas?: string[];
  id?: string;
  externalId?: string;
  userName?: string;
  displayName?: string;
  name?: { givenName?: string; familyName?: string; formatted?: string; [k: string]: unknown };
  title?: string;
  active?: boolean;
  emails?: ScimMultiValue[];
  groups?: ScimMultiValue[];
  meta?: ScimMeta;
  [ENTERPRISE_SCHEMA]?: EnterpriseUser;
  [attribute: string]: unknown;
}

export interface ScimGroup {
  schemas?: string[];
  id?: string;
  displayName?: string;
  members?: ScimMultiValue[];
  meta?: ScimMeta;
  [attribute: string]: unknown;
}

export interface ListResponse<T> {
  totalResults?: number;
  startIndex?: number;
  itemsPerPage?: number;
  Resources?: T[];
}

export interface PatchOperation {
  op: 'add' | 'remove' | 'replace';
  path?: string;
  value?: unknown;
}

/** RFC 7644 §3.12 error body. */
export interface ScimErrorBody {
  status?: string;
  scimType?: string;
  detail?: string;
}

/** Safe facts of an error body for ConnectorError: `scimType` is an enumerated keyword, `detail` is prose. */
export function describeScimError(body: unknown): { detail?: string; context?: Record<string, string> } {
  if (typeof body !== 'object' || body === null) return {};
  const { scimType, detail } = body as ScimErrorBody;
  return {
    ...(typeof detail === 'string' ? { detail } : {}),
    ...(typeof scimType === 'string' && /^[A-Za-z]{1,40}$/.test(scimType) ? { context: { scimType } } : {}),
  };
}
