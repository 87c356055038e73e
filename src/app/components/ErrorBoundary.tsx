import { Component, type ErrorInfo, type ReactNode } from 'react';

interface State {
  error: Error | null;
}

/** Keeps the page when rendering throws: shows the error and a way to carry on. */
export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  componentDidCatch(error: Error, info: ErrorInfo): void {
    console.warn('SAM-DETR Lens: a view failed to render', error, info.componentStack);
  }

  render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="error" role="alert" data-testid="error-message">
        <span>Something in the page failed: {this.state.error.message}</span>
        <button type="button" onClick={() => this.setState({ error: null })}>
          Try again
        </button>
        <button type="button" onClick={() => window.location.assign(window.location.pathname)}>
          Reload with the default view
        </button>
      </div>
    );
  }
}
