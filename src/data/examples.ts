/** The app's bundled example images: scenes of the generator at these seeds (at the model card's sceneSize). */
export const EXAMPLES = [
  { seed: 1, label: 'Example 1' },
  { seed: 7, label: 'Example 2' },
  { seed: 23, label: 'Example 3' },
  { seed: 42, label: 'Example 4' },
];
