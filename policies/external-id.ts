/** STS's rule for `ExternalId`: 2–1,224 characters of letters, digits and `+=,.@:/-` (and `_`). */
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

/** Why an ExternalId would be refused by STS, or `undefined` when it is acceptable. */
export function externalIdProblem(externalId: string): string | undefined {
  if (externalId.length < 2) return `ExternalId must have at least 2 characters (has ${externalId.length})`;
  if (externalId.length > 1224) return `ExternalId must have at most 1,224 characters (has ${externalId.length})`;
  if (!EXTERNAL_ID.test(externalId)) {
    return "ExternalId may contain only letters, digits and the characters _+=,.@:/-";
  }
  return undefined;
}
