/**
 * Records for typed QMP replies and arguments. Field names map to QMP's kebab-case members
 * ({@code threadId} = {@code thread-id}); unknown members are ignored so newer QEMUs still decode.
 */
package io.qtune.qmp.model;
