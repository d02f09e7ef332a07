/** qtune host module. */
package io.qtune.host;
