// The component's entry: Streamlit calls the default export once per mount and again each
// time the data change, always with the same parentElement. One LiveView per parentElement
// takes the data; the DOM is never rebuilt.

const VIEWS = new WeakMap(); // parentElement -> LiveView

function connected(parent) {
  return parent instanceof ShadowRoot ? parent.host.isConnected : parent.isConnected;
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  if (!data || !parentElement) return undefined;
  let view = VIEWS.get(parentElement);
  if (!view) {
    view = new LiveView(parentElement);
    VIEWS.set(parentElement, view);
  }
  view.setTrigger = setTriggerValue;
  view.receive(data);
  // Streamlit calls this cleanup on unmount, but also right away when a data update was
  // superseded by a newer one before this call finished (its effect was cancelled). So only
  // tear down once the host element has really left the page.
  return () => {
    setTimeout(() => {
      if (!connected(parentElement) && VIEWS.get(parentElement) === view) {
        view.destroy();
        VIEWS.delete(parentElement);
      }
    }, 0);
  };
}
