/** Small dense linear algebra shared by the SIFT and SURF keypoint refinements. */

/** Solve the symmetric 3x3 system [a b c; b d e; c e f] x = [u v w] by Cramer's rule; null if singular. */
export function solve3(a: number, b: number, c: number, d: number, e: number, f: number, u: number, v: number, w: number): [number, number, number] | null {
  const A = d * f - e * e;
  const B = c * e - b * f;
  const C = b * e - c * d;
  const det = a * A + b * B + c * C;
  if (Math.abs(det) < 1e-30) return null;
  const D = a * f - c * c;
  const E = b * c - a * e;
  const F = a * d - b * b;
  return [(A * u + B * v + C * w) / det, (B * u + D * v + E * w) / det, (C * u + E * v + F * w) / det];
}
