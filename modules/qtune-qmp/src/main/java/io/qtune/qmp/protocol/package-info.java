/** Wire-level pieces of the QMP client (framing, JSON, command pipeline, fd passing). Internal. */
package io.qtune.qmp.protocol;
