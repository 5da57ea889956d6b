import {
  ValidatorConstraint,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from 'class-validator';

/** Checks the `payload.<field>=<value>` pairs: each field given once, with a text value. */
@ValidatorConstraint({ name: 'fieldEqualityPairs' })
export class FieldEqualityMapConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return Array.isArray(value) && value.every((pair) => firstProblem([pair]) === undefined);
  }

  defaultMessage(args: ValidationArguments): string {
    const pairs = Array.isArray(args.value) ? (args.value as unknown[]) : [];
    const problem = firstProblem(pairs);
    const field = problem === undefined ? args.property : `${args.property}.${problem}`;
    return `${field} must be given once, as ${args.property}.<field>=<value>, such as ${args.property}.user_id=user-42`;
  }
}

/** Returns the field of the first pair whose value is not one text, or undefined. */
function firstProblem(pairs: unknown[]): string | undefined {
  for (const pair of pairs) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string') {
      return '';
    }
    if (typeof pair[1] !== 'string') {
      return pair[0];
    }
  }
  return undefined;
}
