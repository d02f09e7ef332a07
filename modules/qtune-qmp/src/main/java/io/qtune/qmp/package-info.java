/** qtune qmp module. */
package io.qtune.qmp;
