/** qtune cli module. */
package io.qtune.cli;
