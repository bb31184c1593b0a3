/** The mask types, apart from the code that makes them, so the config schema can list them without loading it. */

/** Every mask type, in the order figures list them. */
export const MASK_TYPES = ["center", "blocks", "thick", "medium", "thin", "cracks", "scratches", "lost-patches", "file"] as const;
export type MaskType = (typeof MASK_TYPES)[number];
