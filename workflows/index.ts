/** The workflows the worker bundles into Temporal's sandbox. */
export { botHandoff } from './bot-handoff';
export { ivrChannelSwitch } from './ivr-channel-switch';
export { reconcileHandoff, reconcileHandoffs } from './reconcile';
