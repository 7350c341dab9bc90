/**
 * Known quirks of SCIM service providers, as data. The connector follows RFC 7643/7644 and asks each
 * question below of the profile instead of special-casing an app; a new app's quirk is a new row
 * (or a new field), never a branch on the app's name. Sources are the vendors' public SCIM docs;
 * rows marked "unverified" were not checked against a live tenant.
 */

/** What DELETE /Users/{id} does in the app, and whether the connector may send it. */
export type DeleteSemantics =
  /** The account is removed (RFC 7644 §3.6); a later GET answers 404. */
  | 'removes'
  /** The app only deactivates the account; it stays readable with `active: false`. */
  | 'deactivates'
  /** Removal cannot be undone (no restore, a rehire needs a new account): sent only when the app instance opts in. */
  | 'irreversible'
  /** The connector refuses with `not-supported` and never sends DELETE. */
  | 'forbidden';

/** How to learn a user's group memberships. */
export type MembershipSource =
  /** The User's readOnly `groups` attribute (RFC 7643 §4.1.2). */
  | { from: 'user-groups' }
  /** A filtered query of /Groups on the member attribute (for providers that leave `groups` empty). */
  | { from: 'groups-filter'; memberAttribute: string };

export interface ScimProfile {
  id: string;
  description: string;
  delete: DeleteSemantics;
  /**
   * Attribute updates: `auto` uses PATCH (RFC 7644 §3.5.2) when ServiceProviderConfig says
   * `patch.supported`, else PUT of the full resource (§3.5.1); `never` always PUTs.
   */
  patch: 'auto' | 'never';
  /** `auto` sends If-Match (RFC 7644 §3.14) when ServiceProviderConfig says `etag.supported`. */
  etag: 'auto' | 'never';
  /** Filter operators the app accepts; the connector only ever needs `eq`. */
  filterOperators: readonly string[];
  /**
   * Attribute paths the app accepts in a /Users filter, where its docs restrict them; absent means
   * any path RFC 7644 §3.4.2.2 allows. Uniqueness checks on other attributes are `not-supported`.
   */
  userFilterAttributes?: readonly string[];
  /** Whether /Bulk (RFC 7644 §3.7) may be used. The connector sends single requests today. */
  bulk: boolean;
  /** The app keeps only one email per user (no multi-valued attributes). */
  singleEmail: boolean;
  membership: MembershipSource;
  /** DELETE of a user leaves it listed in groups' `members`; remove memberships first. */
  deleteLeavesGroupMembers: boolean;
  /** Documented write limit, for the shared per-app token bucket (DESIGN.md, Redis). */
  writeLimit?: { requestsPerMinute: number; scope: 'endpoint' | 'organization' };
}

const ALL_OPERATORS = ['eq', 'ne', 'co', 'sw', 'ew', 'pr', 'gt', 'ge', 'lt', 'le', 'and', 'or', 'not'] as const;

const base = {
  delete: 'removes',
  patch: 'auto',
  etag: 'auto',
  filterOperators: ALL_OPERATORS,
  bulk: false,
  singleEmail: false,
  membership: { from: 'user-groups' },
  deleteLeavesGroupMembers: false,
} as const satisfies Omit<ScimProfile, 'id' | 'description'>;

export const PROFILES = {
  generic: {
    ...base,
    id: 'generic',
    description: 'RFC 7643/7644 as written; capabilities come from ServiceProviderConfig.',
  },
  slack: {
    ...base,
    id: 'slack',
    description: 'Slack SCIM: DELETE only deactivates the user; writes are limited per endpoint (180/min for POST, PUT/PATCH and DELETE on /Users).',
    delete: 'deactivates',
    writeLimit: { requestsPerMinute: 180, scope: 'endpoint' },
  },
  'github-emu': {
    ...base,
    id: 'github-emu',
    description:
      'GitHub Enterprise Managed Users: active:false is a soft deprovision that active:true reverses; DELETE is a hard deprovision that cannot be undone.',
    delete: 'irreversible',
    filterOperators: ['eq'],
  },
  atlassian: {
    ...base,
    id: 'atlassian',
    description: 'Atlassian Cloud user provisioning: DELETE removes the SCIM record for good (re-creation gets a new id); active:false deactivates reversibly.',
    delete: 'irreversible',
    filterOperators: ['eq'],
  },
  zoom: {
    ...base,
    id: 'zoom',
    description: 'Zoom SCIM 2: PATCH active:false deactivates; DELETE removes the user. Unverified against a live tenant.',
    filterOperators: ['eq'],
  },
  'aws-identity-center': {
    ...base,
    id: 'aws-identity-center',
    description:
      'AWS IAM Identity Center: only `eq` joined by `and` in filters, on userName or externalId for users; no /Bulk; one email per user; users carry no `groups`, memberships are queried on Groups.',
    filterOperators: ['eq', 'and'],
    userFilterAttributes: ['userName', 'externalId'],
    singleEmail: true,
    membership: { from: 'groups-filter', memberAttribute: 'members' },
  },
  'okta-style': {
    ...base,
    id: 'okta-style',
    description:
      'Apps built to the Okta SCIM 2.0 integration guide: PUT replaces whole users, `userName eq` lookups, deprovisioning by active:false; Okta never sends DELETE /Users, so such apps often lack it. Unverified per app.',
    delete: 'forbidden',
    patch: 'never',
    filterOperators: ['eq'],
  },
  'scim2-server': {
    ...base,
    id: 'scim2-server',
    description:
      'The scim2-server 0.8.3 test server (PyPI): full ServiceProviderConfig (patch, filter, etag, bulk); users carry no `groups` and DELETE leaves the user in groups\' `members`.',
    bulk: true,
    membership: { from: 'groups-filter', memberAttribute: 'members.value' },
    deleteLeavesGroupMembers: true,
  },
} as const satisfies Record<string, ScimProfile>;

export type ProfileId = keyof typeof PROFILES;
export const PROFILE_IDS = Object.keys(PROFILES) as [ProfileId, ...ProfileId[]];
