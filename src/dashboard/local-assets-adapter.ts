/**
 * Bull Board's Express adapter, with its page made self-contained: Bull Board's index.ejs links the
 * IBM Plex fonts from fonts.googleapis.com, so every visit would tell Google that someone opened the
 * board (and a machine without internet waits on it). The page is rendered by Bull Board's own
 * template and then loses every <link> or <script> that points at another origin; its CSS falls back
 * to the system's fonts (`--font-sans: "IBM Plex Sans", system-ui, …`). The Content-Security-Policy
 * (dashboard-guard.ts) stops anything that a later version would add.
 */
import type { AppViewRoute } from '@bull-board/api/typings/app';
import { ExpressAdapter } from '@bull-board/express';
import type { NextFunction, Request, Response } from 'express';

/** A <link …> or <script …></script> whose href/src is absolute (`https://…`, `http://…`, `//…`). */
const REMOTE_ASSET = /<link\b[^>]*?\bhref\s*=\s*["']?(?:https?:)?\/\/[^>]*>|<script\b[^>]*?\bsrc\s*=\s*["']?(?:https?:)?\/\/[^>]*>\s*<\/script>/gi;

export function withoutRemoteAssets(html: string): string {
  return html.replace(REMOTE_ASSET, '');
}

export class LocalAssetsExpressAdapter extends ExpressAdapter {
  /** As ExpressAdapter's (render the entry template), with the rendered page passed through withoutRemoteAssets. */
  override setEntryRoute(routeDef: AppViewRoute): ExpressAdapter {
    const viewHandler = (_req: Request, res: Response, next: NextFunction): void => {
      const { name, params } = routeDef.handler({ basePath: this.basePath, uiConfig: this.uiConfig });
      res.render(name, params, (error: Error | null, html?: string) => {
        if (error) next(error);
        else res.type('html').send(withoutRemoteAssets(html ?? ''));
      });
    };
    this.app[routeDef.method](routeDef.route, viewHandler);
    return this;
  }
}
