/** qtune core module. */
package io.qtune.core;
