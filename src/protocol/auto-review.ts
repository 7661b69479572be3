/**
 * The automatic approval reviewer's (the guardian's) verdict vocabulary, shared by its assessment
 * (guardian/assessment.ts) and the `auto_approval_review` item of the event stream (events.ts).
 */
import { z } from 'zod';

export const ReviewRiskLevel = z.enum(['low', 'medium', 'high']);
export const ReviewUserAuthorization = z.enum(['explicit', 'implied', 'none']);
