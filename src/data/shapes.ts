/**
 * Signed-distance shapes in image coordinates (pixels; pixel (x, y) covers [x, x+1) x [y, y+1),
 * its centre is (x + 0.5, y + 0.5)). Negative inside. Only +, -, *, /, sqrt, min, max and abs
 * are used, so the values are identical in every JS engine.
 */

export interface Shape {
  /** Signed distance in pixels (exact for polygons and segments, first-order for ellipses). */
  sdf(x: number, y: number): number;
  /** Conservative bounds [x0, y0, x1, y1] of the shape (not clipped to the image). */
  readonly bounds: [number, number, number, number];
}

/** A rotated frame: world = c + R(cos, sin) * local. */
export interface Frame {
  cx: number;
  cy: number;
  cos: number;
  sin: number;
}

/** Polygon (simple or not; even-odd fill) with the exact distance of iq's sdPolygon. */
export class PolygonShape implements Shape {
  readonly xs: Float64Array;
  readonly ys: Float64Array;
  private readonly invLen2: Float64Array;
  readonly bounds: [number, number, number, number];

  constructor(xs: ArrayLike<number>, ys: ArrayLike<number>) {
    const n = xs.length;
    this.xs = Float64Array.from(xs);
    this.ys = Float64Array.from(ys);
    this.invLen2 = new Float64Array(n);
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (let i = 0, j = n - 1; i < n; j = i, i++) {
      const ex = this.xs[j] - this.xs[i];
      const ey = this.ys[j] - this.ys[i];
      const l2 = ex * ex + ey * ey;
      this.invLen2[i] = l2 > 0 ? 1 / l2 : 0;
      x0 = Math.min(x0, this.xs[i]);
      x1 = Math.max(x1, this.xs[i]);
      y0 = Math.min(y0, this.ys[i]);
      y1 = Math.max(y1, this.ys[i]);
    }
    this.bounds = [x0, y0, x1, y1];
  }

  /** Vertices given in a local unit frame, scaled by (rx, ry), then rotated and translated. */
  static fromLocal(lx: ArrayLike<number>, ly: ArrayLike<number>, f: Frame, rx: number, ry: number): PolygonShape {
    const n = lx.length;
    const xs = new Float64Array(n);
    const ys = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const ux = lx[i] * rx;
      const uy = ly[i] * ry;
      xs[i] = f.cx + f.cos * ux - f.sin * uy;
      ys[i] = f.cy + f.sin * ux + f.cos * uy;
    }
    return new PolygonShape(xs, ys);
  }

  sdf(px: number, py: number): number {
    const xs = this.xs;
    const ys = this.ys;
    const inv = this.invLen2;
    const n = xs.length;
    let dx0 = px - xs[0];
    let dy0 = py - ys[0];
    let d = dx0 * dx0 + dy0 * dy0;
    let inside = false;
    for (let i = 0, j = n - 1; i < n; j = i, i++) {
      const xi = xs[i];
      const yi = ys[i];
      const ex = xs[j] - xi;
      const ey = ys[j] - yi;
      const wx = px - xi;
      const wy = py - yi;
      let t = (wx * ex + wy * ey) * inv[i];
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      dx0 = wx - ex * t;
      dy0 = wy - ey * t;
      const dd = dx0 * dx0 + dy0 * dy0;
      if (dd < d) d = dd;
      const c1 = py >= yi;
      const c2 = py < ys[j];
      const c3 = ex * wy > ey * wx;
      if ((c1 && c2 && c3) || (!c1 && !c2 && !c3)) inside = !inside;
    }
    const r = Math.sqrt(d);
    return inside ? -r : r;
  }
}

/** First-order signed distance to an axis-aligned ellipse with radii (rx, ry) at the origin. */
export function sdEllipse(x: number, y: number, rx: number, ry: number): number {
  const ax = x / rx;
  const ay = y / ry;
  const k0 = Math.sqrt(ax * ax + ay * ay);
  const bx = ax / rx;
  const by = ay / ry;
  const k1 = Math.sqrt(bx * bx + by * by);
  if (k1 === 0) return -Math.min(rx, ry);
  return (k0 * (k0 - 1)) / k1;
}

function ellipseBounds(f: Frame, rx: number, ry: number): [number, number, number, number] {
  const hw = Math.sqrt(rx * rx * f.cos * f.cos + ry * ry * f.sin * f.sin);
  const hh = Math.sqrt(rx * rx * f.sin * f.sin + ry * ry * f.cos * f.cos);
  return [f.cx - hw, f.cy - hh, f.cx + hw, f.cy + hh];
}

/**
 * Ellipse-based shapes in a rotated frame: a filled ellipse, an elliptic ring (inner radii
 * `inner` * outer), or a crescent (the ellipse minus a copy scaled by `cutScale` and shifted
 * by `cutOffset` * rx along local +x).
 */
export class EllipticShape implements Shape {
  readonly bounds: [number, number, number, number];

  constructor(
    readonly frame: Frame,
    readonly rx: number,
    readonly ry: number,
    readonly kind: 'ellipse' | 'ring' | 'crescent',
    readonly inner = 0.5,
    readonly cutOffset = 0.4,
    readonly cutScale = 0.85,
  ) {
    this.bounds = ellipseBounds(frame, rx, ry);
  }

  sdf(x: number, y: number): number {
    const f = this.frame;
    const dx = x - f.cx;
    const dy = y - f.cy;
    const lx = f.cos * dx + f.sin * dy;
    const ly = -f.sin * dx + f.cos * dy;
    const d = sdEllipse(lx, ly, this.rx, this.ry);
    if (this.kind === 'ellipse') return d;
    if (this.kind === 'ring') {
      const di = sdEllipse(lx, ly, this.rx * this.inner, this.ry * this.inner);
      return Math.max(d, -di);
    }
    const dc = sdEllipse(lx - this.cutOffset * this.rx, ly, this.rx * this.cutScale, this.ry * this.cutScale);
    return Math.max(d, -dc);
  }
}

/** A thick polyline (union of capsules) of half width `hw`. */
export class PolylineShape implements Shape {
  readonly bounds: [number, number, number, number];

  constructor(readonly xs: number[], readonly ys: number[], readonly hw: number) {
    this.bounds = [Math.min(...xs) - hw, Math.min(...ys) - hw, Math.max(...xs) + hw, Math.max(...ys) + hw];
  }

  sdf(px: number, py: number): number {
    const xs = this.xs;
    const ys = this.ys;
    let d = Infinity;
    for (let i = 0; i + 1 < xs.length; i++) {
      const ex = xs[i + 1] - xs[i];
      const ey = ys[i + 1] - ys[i];
      const wx = px - xs[i];
      const wy = py - ys[i];
      const l2 = ex * ex + ey * ey;
      let t = l2 > 0 ? (wx * ex + wy * ey) / l2 : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const bx = wx - ex * t;
      const by = wy - ey * t;
      const dd = bx * bx + by * by;
      if (dd < d) d = dd;
    }
    return Math.sqrt(d) - this.hw;
  }
}

/** Only the outline (stroke of half width `hw`) of another shape. */
export class OutlineShape implements Shape {
  readonly bounds: [number, number, number, number];

  constructor(readonly base: Shape, readonly hw: number) {
    const b = base.bounds;
    this.bounds = [b[0] - hw, b[1] - hw, b[2] + hw, b[3] + hw];
  }

  sdf(x: number, y: number): number {
    return Math.abs(this.base.sdf(x, y)) - this.hw;
  }
}

// Unit directions at -90 deg + k * 36 deg (k = 0..9), from exact radicals (no trig).
const SQ5 = Math.sqrt(5);
const COS36 = (1 + SQ5) / 4;
const SIN36 = Math.sqrt(10 - 2 * SQ5) / 4;
const COS18 = Math.sqrt(10 + 2 * SQ5) / 4;
const SIN18 = (SQ5 - 1) / 4;
export const DIR10_X = [0, SIN36, COS18, COS18, SIN36, 0, -SIN36, -COS18, -COS18, -SIN36];
export const DIR10_Y = [-1, -COS36, -SIN18, SIN18, COS36, 1, COS36, SIN18, -SIN18, -COS36];
const SQ3_2 = Math.sqrt(3) / 2;
export const HEX_X = [1, 0.5, -0.5, -1, -0.5, 0.5];
export const HEX_Y = [0, SQ3_2, SQ3_2, 0, -SQ3_2, -SQ3_2];
