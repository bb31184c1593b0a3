/**
 * Shared by the tests that compare with scikit-learn's reference values (pca, lda): `a` equals the
 * reference `b` elementwise within `tol` times b's largest magnitude (a relative tolerance for the
 * whole vector, so near-zero entries are not judged on their own scale).
 */
import assert from "node:assert/strict";

export function closeToSklearn(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  let scale = 1e-12;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol * scale, `${what}[${i}]: ${a[i]} vs sklearn ${b[i]}`);
}
