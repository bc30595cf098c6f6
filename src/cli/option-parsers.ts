/** Parsers for commander options, so a bad value is refused with the option's name before anything runs. */
import { InvalidArgumentError } from 'commander';

export function integerFrom(min: number, max: number): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (!/^\d+$/.test(value) || number < min || number > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    return number;
  };
}

export const port = integerFrom(0, 65535);
