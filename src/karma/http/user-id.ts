/** User ids: 1 to 128 letters, digits, `_`, `.`, `:` or `-`, as in `schemas/event_bus.json`. */
export const USER_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

/** The validation message for a bad user id. */
export const USER_ID_MESSAGE =
  'user_id must be 1 to 128 letters, digits, "_", ".", ":" or "-", such as user-42';
