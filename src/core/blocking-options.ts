/**
 * The check of `run`'s `detectBlocking` option, apart from the detector
 * itself (`blocking-detector.ts`), which `run` imports only for a tracked
 * run: an untracked program carries this check and not the detector.
 *
 * @internal
 * @module
 */

import type { BlockingDetectorOptions } from "./blocking-detector.ts";
import { describeValue } from "./validate.ts";

/**
 * Checks `run`'s `detectBlocking` option and returns its options, or null when
 * off. @internal
 */
export function blockingDetectorOptions(value: unknown): BlockingDetectorOptions | null {
  if (value === undefined || value === false) return null;
  if (value === true) return {};
  if (value === null || typeof value !== "object") {
    throw new TypeError(`options.detectBlocking must be a boolean or { threshold?, report? }, got ${describeValue(value)}`);
  }
  const { threshold, report } = value as BlockingDetectorOptions;
  if (threshold !== undefined && (typeof threshold !== "number" || !(threshold > 0) || !Number.isFinite(threshold))) {
    throw new RangeError(`options.detectBlocking.threshold must be a finite number of milliseconds > 0, got ${describeValue(threshold)}`);
  }
  if (report !== undefined && typeof report !== "function") {
    throw new TypeError(`options.detectBlocking.report must be a function, got ${describeValue(report)}`);
  }
  return { threshold, report };
}
