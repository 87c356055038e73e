/**
 * The weight formula of the parity fixtures (test/fixtures/official/README.md): each value is a
 * hash of the tensor's name and element index, so full-size test checkpoints need no stored
 * weights. One implementation serves the model's tests and the checkpoint writer alike.
 */
export { fnv1a32, formulaTensor } from '../model/formulaWeights';
