import type { Attributes } from '@opentelemetry/api';
import { got } from '../api/describe-value.js';
import { attributeNames } from './names.js';
import type { KeyAttributeValue } from './options.js';
import { report } from './report.js';

/**
 * Turns keys into point attributes through the user's `keyAttribute`
 * function. Attribute objects are made once per attribute value and shared,
 * so recording allocates nothing; there are as many as the series the
 * mapping makes, which the SDK keeps anyway.
 */
export class KeyAttributes {
  /** The attributes of a point that carries no key. */
  readonly base: Attributes;
  readonly #map: ((key: never) => KeyAttributeValue | undefined) | undefined;
  readonly #byValue = new Map<KeyAttributeValue, Attributes>();

  constructor(map: ((key: never) => KeyAttributeValue | undefined) | undefined, poolName: string | undefined) {
    this.#map = map;
    this.base = poolName === undefined ? {} : { [attributeNames.poolName]: poolName };
  }

  /** The attribute value `key` maps to, or `undefined` for none. */
  valueOf(key: unknown): KeyAttributeValue | undefined {
    const map = this.#map;
    if (!map) return undefined;
    let value: unknown;
    try {
      value = map(key as never);
    } catch (error) {
      report(error);
      return undefined;
    }
    if (value === undefined || typeof value === 'string' || typeof value === 'boolean') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    report(
      new TypeError(`Expected \`keyAttribute\` to return a string, finite number, boolean or undefined, ${got(value)}`),
    );
    return undefined;
  }

  /** The attributes of a point for attribute value `value` (`undefined`: no key). */
  forValue(value: KeyAttributeValue | undefined): Attributes {
    if (value === undefined) return this.base;
    let attributes = this.#byValue.get(value);
    if (!attributes) {
      attributes = { ...this.base, [attributeNames.key]: value };
      this.#byValue.set(value, attributes);
    }
    return attributes;
  }

  /** The attributes of a point about `key`. */
  forKey(key: unknown): Attributes {
    return this.forValue(this.valueOf(key));
  }
}
