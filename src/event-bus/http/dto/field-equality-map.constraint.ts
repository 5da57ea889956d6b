import {
  ValidatorConstraint,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from 'class-validator';

/** Checks `payload.<field>=<value>` parameters: each field given once, with a text value. */
@ValidatorConstraint({ name: 'fieldEqualityMap' })
export class FieldEqualityMapConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return false;
    }
    return Object.values(value).every((item) => typeof item === 'string');
  }

  defaultMessage(args: ValidationArguments): string {
    const value = args.value as Record<string, unknown> | undefined;
    const repeated = Object.entries(value ?? {}).find(([, item]) => typeof item !== 'string');
    const field = repeated === undefined ? args.property : `${args.property}.${repeated[0]}`;
    return `${field} must be given once, as ${args.property}.<field>=<value>, such as ${args.property}.user_id=user-42`;
  }
}
