import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

// A RealWorld ("Conduit") backend's data and token auth, written here for the tests: the route
// set and JSON shapes of the RealWorld spec, nothing copied from an implementation.

export interface ConduitUser {
  id: number;
  username: string;
  email: string;
  password: string;
  bio: string | null;
  image: string | null;
}

interface Article {
  /** The row's internal id, answered next to the slug as real Conduit backends do. */
  id: string;
  slug: string;
  title: string;
  body: string;
  authorId: number;
  favoritedBy: Set<number>;
}

interface Comment {
  id: number;
  slug: string;
  body: string;
  authorId: number;
}

const SECRET = 'conduit-test-secret';

function sign(payload: object): string {
  const head = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const mac = createHmac('sha256', SECRET).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${mac}`;
}

/** An error with the status and RealWorld error body a handler answers with. */
export class ConduitError extends Error {
  constructor(
    readonly status: number,
    readonly body: { errors: Record<string, string[]> },
  ) {
    super(Object.keys(body.errors).join(', '));
  }
}

/** The in-memory Conduit: every handler of the three apps calls these. */
export class ConduitStore {
  private readonly users: ConduitUser[] = [];
  private readonly articles = new Map<string, Article>();
  private readonly comments: Comment[] = [];
  private readonly follows = new Set<string>();
  private nextComment = 1;

  /** The user a `Authorization: Token <jwt>` header names, or undefined. */
  authenticate(header: string | undefined): ConduitUser | undefined {
    const token = header?.startsWith('Token ') ? header.slice(6) : undefined;
    const [head, body, mac] = token?.split('.') ?? [];
    if (head === undefined || body === undefined || mac === undefined) return undefined;
    const expected = createHmac('sha256', SECRET).update(`${head}.${body}`).digest();
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const { id } = JSON.parse(Buffer.from(body, 'base64url').toString()) as { id: number };
    return this.users.find((u) => u.id === id);
  }

  /** `{ user: { email, token, username, bio, image } }`: no id, as RealWorld answers. */
  userResponse(user: ConduitUser) {
    return {
      user: {
        email: user.email,
        token: sign({ id: user.id, username: user.username }),
        username: user.username,
        bio: user.bio,
        image: user.image,
      },
    };
  }

  register(input: { username?: string; email?: string; password?: string } = {}) {
    if (!input.username || !input.email || !input.password) {
      throw new ConduitError(422, { errors: { body: ["can't be blank"] } });
    }
    if (this.users.some((u) => u.email === input.email)) {
      throw new ConduitError(422, { errors: { email: ['has already been taken'] } });
    }
    const user = { id: this.users.length + 1, bio: null, image: null, ...input } as ConduitUser;
    this.users.push(user);
    return this.userResponse(user);
  }

  login(input: { email?: string; password?: string } = {}) {
    const user = this.users.find((u) => u.email === input.email && u.password === input.password);
    if (user === undefined) throw new ConduitError(401, { errors: { 'email or password': ['is invalid'] } });
    return this.userResponse(user);
  }

  updateUser(user: ConduitUser, input: Partial<ConduitUser> = {}) {
    if (input.bio !== undefined) user.bio = input.bio;
    if (input.image !== undefined) user.image = input.image;
    if (input.password !== undefined) user.password = input.password;
    return this.userResponse(user);
  }

  profile(username: string, viewer?: ConduitUser) {
    const user = this.users.find((u) => u.username === username);
    if (user === undefined) throw new ConduitError(404, { errors: { profile: ['not found'] } });
    const following = viewer !== undefined && this.follows.has(`${viewer.id}:${user.id}`);
    return { profile: { username: user.username, bio: user.bio, image: user.image, following } };
  }

  follow(viewer: ConduitUser, username: string, on: boolean) {
    const user = this.users.find((u) => u.username === username);
    if (user === undefined) throw new ConduitError(404, { errors: { profile: ['not found'] } });
    if (on) this.follows.add(`${viewer.id}:${user.id}`);
    else this.follows.delete(`${viewer.id}:${user.id}`);
    return this.profile(username, viewer);
  }

  createArticle(author: ConduitUser, input: { title?: string; body?: string } = {}) {
    if (!input.title || !input.body) throw new ConduitError(422, { errors: { title: ["can't be blank"] } });
    const slug = input.title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
    const article = {
      id: randomUUID(),
      slug,
      title: input.title,
      body: input.body,
      authorId: author.id,
      favoritedBy: new Set<number>(),
    };
    this.articles.set(slug, article);
    return this.articleResponse(article, author);
  }

  article(slug: string, viewer?: ConduitUser) {
    return this.articleResponse(this.find(slug), viewer);
  }

  updateArticle(viewer: ConduitUser, slug: string, input: { body?: string } = {}) {
    const article = this.own(viewer, slug);
    if (input.body !== undefined) article.body = input.body;
    return this.articleResponse(article, viewer);
  }

  deleteArticle(viewer: ConduitUser, slug: string): void {
    this.own(viewer, slug);
    this.articles.delete(slug);
  }

  favorite(viewer: ConduitUser, slug: string, on: boolean) {
    const article = this.find(slug);
    if (on) article.favoritedBy.add(viewer.id);
    else article.favoritedBy.delete(viewer.id);
    return this.articleResponse(article, viewer);
  }

  addComment(viewer: ConduitUser, slug: string, input: { body?: string } = {}) {
    this.find(slug);
    const comment = { id: this.nextComment++, slug, body: input.body ?? '', authorId: viewer.id };
    this.comments.push(comment);
    return { comment: { id: comment.id, body: comment.body, author: this.profile(viewer.username).profile } };
  }

  deleteComment(viewer: ConduitUser, slug: string, id: number): void {
    const at = this.comments.findIndex((c) => c.slug === slug && c.id === id);
    if (at === -1) throw new ConduitError(404, { errors: { comment: ['not found'] } });
    if (this.comments[at]!.authorId !== viewer.id)
      throw new ConduitError(403, { errors: { comment: ['forbidden'] } });
    this.comments.splice(at, 1);
  }

  private find(slug: string): Article {
    const article = this.articles.get(slug);
    if (article === undefined) throw new ConduitError(404, { errors: { article: ['not found'] } });
    return article;
  }

  private own(viewer: ConduitUser, slug: string): Article {
    const article = this.find(slug);
    if (article.authorId !== viewer.id) throw new ConduitError(403, { errors: { article: ['forbidden'] } });
    return article;
  }

  private articleResponse(article: Article, viewer?: ConduitUser) {
    const author = this.users.find((u) => u.id === article.authorId)!;
    return {
      article: {
        id: article.id,
        slug: article.slug,
        title: article.title,
        body: article.body,
        favorited: viewer !== undefined && article.favoritedBy.has(viewer.id),
        favoritesCount: article.favoritedBy.size,
        author: this.profile(author.username, viewer).profile,
      },
    };
  }
}
