/**
 * The check of `run`'s `detectBlocking` option, apart from the detector
 * itself (`blocking-detector.ts`), which `run` imports only for a tracked
 * run: an untracked program carries this check and not the detector.
 *
 * @internal
 * @module
 */

import type { BlockingDetectorOptions } from "../tracking/blocking-detector.ts";
import { checkOptional, describeValue, mustBe } from "./validate.ts";

/**
 * Checks `run`'s `detectBlocking` option and returns its options, or null when
 * off. @internal
 */
export function blockingDetectorOptions(value: unknown): BlockingDetectorOptions | null {
  if (value === undefined || value === false) return null;
  if (value === true) return {};
  if (value === null || typeof value !== "object") {
    throw mustBe("options.detectBlocking", "a boolean or { threshold?, report? }", value);
  }
  const { threshold, report } = value as BlockingDetectorOptions;
  if (threshold !== undefined && (typeof threshold !== "number" || !(threshold > 0) || !Number.isFinite(threshold))) {
    throw new RangeError(`options.detectBlocking.threshold must be a finite number of milliseconds > 0, got ${describeValue(threshold)}`);
  }
  checkOptional("options.detectBlocking.report", report, "function");
  return { threshold, report };
}
