/** Wraps every store dynalite's db module creates from now on, once per marker; returns the counts of the first install. */
export declare const wrapEveryStore: <S, T>(requireFromDynalite: (id: string) => unknown, marker: string, stats: S, wrap: (store: T, stats: S) => T) => S;
